<?php
/**
 * The floating WhatsApp button on the storefront.
 *
 * @package Balas_WhatsApp
 */

defined( 'ABSPATH' ) || exit;

/**
 * Prints a link to wa.me in the footer of every storefront page; on a product page the
 * prefilled message names the product and its address.
 */
final class Balas_WhatsApp_Button {

	/** A speech bubble drawn inline, so the storefront loads nothing from elsewhere. */
	const ICON = '<svg class="balas-whatsapp-button__icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 2C6.5 2 2 6 2 11c0 2.6 1.2 4.9 3.2 6.6L4 22l4.8-2.4c1 .3 2.1.4 3.2.4 5.5 0 10-4 10-9s-4.5-9-10-9z"/></svg>';

	/**
	 * The settings.
	 *
	 * @var Balas_WhatsApp_Options
	 */
	private $options;

	/**
	 * Builds the button over the plugin's settings.
	 *
	 * @param Balas_WhatsApp_Options $options The settings.
	 */
	public function __construct( Balas_WhatsApp_Options $options ) {
		$this->options = $options;
	}

	/**
	 * Hooks the stylesheet and the button into the storefront.
	 */
	public function register(): void {
		add_action( 'wp_enqueue_scripts', array( $this, 'enqueue_style' ) );
		add_action( 'wp_footer', array( $this, 'print_button' ) );
	}

	/**
	 * The button's stylesheet, only on sites that show the button.
	 */
	public function enqueue_style(): void {
		if ( self::shown( $this->options->get() ) ) {
			wp_enqueue_style( 'balas-whatsapp', plugins_url( 'assets/balas-whatsapp.css', BALAS_WHATSAPP_FILE ), array(), BALAS_WHATSAPP_VERSION );
		}
	}

	/**
	 * The wp_footer hook.
	 */
	public function print_button(): void {
		echo $this->render(); // phpcs:ignore WordPress.Security.EscapeOutput.OutputNotEscaped -- render() escapes every value.
	}

	/**
	 * The button's HTML, or '' when it is switched off or has no number.
	 */
	public function render(): string {
		$settings = $this->options->get();
		if ( ! self::shown( $settings ) ) {
			return '';
		}
		$label = $settings['label'];
		/* translators: %s: the button's label. */
		$name = sprintf( __( '%s (opens WhatsApp in a new tab)', 'balas-whatsapp' ), $label );
		return sprintf(
			'<a class="balas-whatsapp-button balas-whatsapp-button--%1$s" href="%2$s" target="_blank" rel="noopener noreferrer" aria-label="%3$s">%4$s<span class="balas-whatsapp-button__label">%5$s</span></a>',
			esc_attr( $settings['position'] ),
			esc_url( Balas_WhatsApp_Link::to( $settings['whatsapp_number'], $this->message( $settings ) ) ),
			esc_attr( $name ),
			self::ICON,
			esc_html( $label )
		);
	}

	/**
	 * Whether the button is switched on and has a number to open.
	 *
	 * @param array $settings The plugin's settings.
	 */
	private static function shown( array $settings ): bool {
		return $settings['enabled'] && '' !== $settings['whatsapp_number'];
	}

	/**
	 * The prefilled message: the product page template on a product page, else the general one.
	 *
	 * @param array $settings The plugin's settings.
	 */
	private function message( array $settings ): string {
		$product = is_singular( 'product' ) ? get_queried_object() : null;
		if ( ! $product instanceof WP_Post || '' === $settings['product_message'] ) {
			return $settings['message'];
		}
		// Titles are stored with entities such as &amp;; the chat message is plain text.
		$name = html_entity_decode( $product->post_title, ENT_QUOTES | ENT_HTML5, 'UTF-8' );
		return Balas_WhatsApp_Link::product_message( $settings['product_message'], $name, (string) get_permalink( $product ) );
	}
}
