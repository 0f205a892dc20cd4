<?php
/**
 * The WhatsApp number and consent boxes at WooCommerce's checkout, classic and block.
 *
 * @package Balas_WhatsApp
 */

defined( 'ABSPATH' ) || exit;

/**
 * Adds the fields to both checkouts, checks them, and keeps what the customer chose on the order
 * as meta (the number, and each ticked purpose with the words shown next to its box). Reporting
 * the consent to Balas happens later (Balas_WhatsApp_Consent_Report), so checkout never waits
 * for Balas and never fails because of it.
 */
final class Balas_WhatsApp_Checkout {

	/** The classic checkout's field names (the block checkout's ids are BLOCK_PREFIX + purpose). */
	const NUMBER_FIELD = 'balas_whatsapp_number';
	const BOX_FIELDS   = array(
		'order_updates' => 'balas_whatsapp_order_updates',
		'promotions'    => 'balas_whatsapp_promotions',
	);

	/** The block checkout's field ids: namespace/name, as the Additional Checkout Fields API wants. */
	const BLOCK_PREFIX = 'balas-whatsapp/';

	/** Where WooCommerce keeps the value of an additional field of the "order" location. */
	const BLOCK_META_PREFIX = '_wc_other/';

	/** The order meta this plugin writes. */
	const META_NUMBER  = '_balas_whatsapp_number';
	const META_CONSENT = '_balas_whatsapp_consent';

	/**
	 * The report to Balas, scheduled once an order is placed.
	 *
	 * @var Balas_WhatsApp_Consent_Report
	 */
	private $report;

	/**
	 * Builds the checkout part.
	 *
	 * @param Balas_WhatsApp_Consent_Report $report The report to Balas.
	 */
	public function __construct( Balas_WhatsApp_Consent_Report $report ) {
		$this->report = $report;
	}

	/**
	 * The words next to each box, in the site's language: recorded exactly as the customer saw them.
	 */
	public static function wordings(): array {
		return array(
			'order_updates' => __( 'Send me updates about my order on WhatsApp.', 'balas-whatsapp' ),
			'promotions'    => __( 'Send me promotions and offers on WhatsApp. I can reply STOP at any time.', 'balas-whatsapp' ),
		);
	}

	/**
	 * Hooks both checkouts.
	 */
	public function register(): void {
		add_filter( 'woocommerce_checkout_fields', array( $this, 'add_classic_fields' ) );
		add_action( 'woocommerce_after_checkout_validation', array( $this, 'validate_classic' ), 10, 2 );
		add_action( 'woocommerce_checkout_update_order_meta', array( $this, 'save_classic' ), 10, 2 );
		add_action( 'woocommerce_checkout_order_processed', array( $this, 'placed' ) );
		add_action( 'woocommerce_init', array( $this, 'register_block_fields' ) );
		add_action( 'woocommerce_blocks_validate_location_order_fields', array( $this, 'validate_block' ), 10, 2 );
		add_action( 'woocommerce_store_api_checkout_order_processed', array( $this, 'save_block' ) );
		add_action( 'woocommerce_privacy_remove_order_personal_data', array( $this, 'forget' ) );
	}

	/**
	 * The woocommerce_checkout_fields filter: the number after the billing phone, then the boxes.
	 *
	 * @param array $fields The checkout's fields by group.
	 */
	public function add_classic_fields( array $fields ): array {
		$fields['billing'][ self::NUMBER_FIELD ] = array(
			'type'         => 'tel',
			'label'        => self::number_label(),
			'required'     => false,
			'class'        => array( 'form-row-wide' ),
			'autocomplete' => 'tel',
			'priority'     => 105,
		);
		$priority = 106;
		foreach ( self::wordings() as $purpose => $wording ) {
			$fields['billing'][ self::BOX_FIELDS[ $purpose ] ] = array(
				'type'     => 'checkbox',
				'label'    => $wording,
				'required' => false,
				'class'    => array( 'form-row-wide' ),
				'priority' => $priority++,
			);
		}
		return $fields;
	}

	/**
	 * The woocommerce_after_checkout_validation hook.
	 *
	 * @param array    $data   The posted checkout, its fields sanitised by WooCommerce.
	 * @param WP_Error $errors Where to add a problem.
	 */
	public function validate_classic( array $data, $errors ): void {
		$problem = self::problem( self::posted_number( $data ), self::ticked_classic( $data ) );
		if ( null !== $problem ) {
			$errors->add( 'validation', $problem, array( 'id' => self::NUMBER_FIELD ) );
		}
	}

	/**
	 * The woocommerce_checkout_update_order_meta hook.
	 *
	 * @param int   $order_id The new order.
	 * @param array $data     The posted checkout.
	 */
	public function save_classic( $order_id, $data ): void {
		$order = wc_get_order( $order_id );
		if ( $order ) {
			$data = is_array( $data ) ? $data : array();
			self::keep( $order, self::posted_number( $data ), self::ticked_classic( $data ) );
		}
	}

	/**
	 * The woocommerce_checkout_order_processed hook: the classic order is placed.
	 *
	 * @param int $order_id The order.
	 */
	public function placed( $order_id ): void {
		$this->report->schedule( (int) $order_id );
	}

	/**
	 * The woocommerce_init hook: the block checkout's fields, where WooCommerce offers the
	 * Additional Checkout Fields API (8.9 and later; without it the classic fields still work).
	 * In the "order" location: kept on the order only, never on the customer's account, so a
	 * box is never ticked in advance from an earlier order.
	 */
	public function register_block_fields(): void {
		if ( ! function_exists( 'woocommerce_register_additional_checkout_field' ) ) {
			return;
		}
		woocommerce_register_additional_checkout_field(
			array(
				'id'         => self::BLOCK_PREFIX . 'number',
				'label'      => self::number_label(),
				'location'   => 'order',
				'type'       => 'text',
				'required'   => false,
				'attributes' => array(
					'autocomplete' => 'tel',
					'inputmode'    => 'tel',
				),
			)
		);
		foreach ( self::wordings() as $purpose => $wording ) {
			woocommerce_register_additional_checkout_field(
				array(
					'id'       => self::BLOCK_PREFIX . $purpose,
					'label'    => $wording,
					'location' => 'order',
					'type'     => 'checkbox',
				)
			);
		}
	}

	/**
	 * The block checkout's check of its order fields.
	 *
	 * @param WP_Error $errors Where to add a problem.
	 * @param array    $fields The order fields' values by id.
	 */
	public function validate_block( $errors, $fields ): void {
		$fields  = is_array( $fields ) ? $fields : array();
		$number  = self::text( $fields[ self::BLOCK_PREFIX . 'number' ] ?? '' );
		$problem = self::problem( $number, self::ticked_block( $fields ) );
		if ( null !== $problem ) {
			$errors->add( 'balas_whatsapp_number', $problem );
		}
	}

	/**
	 * The woocommerce_store_api_checkout_order_processed hook: WooCommerce has saved the block
	 * fields on the order under its own keys; they are copied to this plugin's, as the classic
	 * checkout writes them, and the report is scheduled.
	 *
	 * @param WC_Order $order The placed order.
	 */
	public function save_block( $order ): void {
		$values = array();
		foreach ( array_merge( array( 'number' ), array_keys( self::BOX_FIELDS ) ) as $name ) {
			$values[ self::BLOCK_PREFIX . $name ] = $order->get_meta( self::BLOCK_META_PREFIX . self::BLOCK_PREFIX . $name );
		}
		self::keep( $order, self::text( $values[ self::BLOCK_PREFIX . 'number' ] ), self::ticked_block( $values ) );
		$this->report->schedule( (int) $order->get_id() );
	}

	/**
	 * The woocommerce_privacy_remove_order_personal_data hook: WooCommerce's personal data
	 * eraser removes the number and the consent with the rest of the order's personal data.
	 *
	 * @param WC_Order $order The order being anonymised (WooCommerce saves it afterwards).
	 */
	public function forget( $order ): void {
		foreach ( array( self::META_NUMBER, self::META_CONSENT, Balas_WhatsApp_Consent_Report::META_REPORTED ) as $key ) {
			$order->delete_meta_data( $key );
		}
		foreach ( array_merge( array( 'number' ), array_keys( self::BOX_FIELDS ) ) as $name ) {
			$order->delete_meta_data( self::BLOCK_META_PREFIX . self::BLOCK_PREFIX . $name );
		}
	}

	/**
	 * The number field's label.
	 */
	private static function number_label(): string {
		return __( 'WhatsApp number', 'balas-whatsapp' );
	}

	/**
	 * What is wrong with the customer's choice, or null: a box needs a number, and a number
	 * needs to look like one (Balas reads it in the store's country and has the final word).
	 *
	 * @param string $number  The number as typed.
	 * @param array  $purposes The ticked purposes.
	 */
	private static function problem( string $number, array $purposes ): ?string {
		if ( '' === $number ) {
			return array() === $purposes ? null : __( 'Enter your WhatsApp number to receive messages there.', 'balas-whatsapp' );
		}
		if ( preg_match( '/^\+?[0-9]{8,15}$/', (string) preg_replace( '/[\s().-]+/', '', $number ) ) ) {
			return null;
		}
		return __( 'The WhatsApp number is not valid: write it with its country code, such as +62 812 3456 7890, or as 0812 3456 7890.', 'balas-whatsapp' );
	}

	/**
	 * Keeps the number and each ticked purpose with its words on the order; nothing is written
	 * when no box is ticked, since a number without consent is of no use to Balas.
	 *
	 * @param WC_Order $order    The order.
	 * @param string   $number   The number as typed.
	 * @param array    $purposes The ticked purposes.
	 */
	private static function keep( $order, string $number, array $purposes ): void {
		if ( '' === $number || array() === $purposes ) {
			return;
		}
		$wordings = self::wordings();
		$consent  = array(
			'at'       => gmdate( 'c' ),
			'purposes' => array(),
		);
		foreach ( $purposes as $purpose ) {
			$consent['purposes'][ $purpose ] = $wordings[ $purpose ];
		}
		$order->update_meta_data( self::META_NUMBER, $number );
		$order->update_meta_data( self::META_CONSENT, $consent );
		$order->save();
	}

	/**
	 * The number posted to the classic checkout.
	 *
	 * @param array $data The posted checkout.
	 */
	private static function posted_number( array $data ): string {
		return self::text( $data[ self::NUMBER_FIELD ] ?? '' );
	}

	/**
	 * The purposes ticked at the classic checkout.
	 *
	 * @param array $data The posted checkout.
	 */
	private static function ticked_classic( array $data ): array {
		return array_keys(
			array_filter(
				self::BOX_FIELDS,
				function ( $field ) use ( $data ) {
					return ! empty( $data[ $field ] );
				}
			)
		);
	}

	/**
	 * The purposes ticked at the block checkout.
	 *
	 * @param array $fields The block fields' values by id.
	 */
	private static function ticked_block( array $fields ): array {
		return array_values(
			array_filter(
				array_keys( self::BOX_FIELDS ),
				function ( $purpose ) use ( $fields ) {
					return ! empty( $fields[ self::BLOCK_PREFIX . $purpose ] );
				}
			)
		);
	}

	/**
	 * A posted value as sanitised text ('' when it is not a single value).
	 *
	 * @param mixed $value The value.
	 */
	private static function text( $value ): string {
		return is_scalar( $value ) ? sanitize_text_field( (string) $value ) : '';
	}
}
