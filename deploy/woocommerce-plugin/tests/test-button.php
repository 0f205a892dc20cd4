<?php
/**
 * The storefront button's HTML.
 *
 * @package Balas_WhatsApp
 */

/** The button's HTML for the given saved settings. */
function render_button( array $changes = array() ): string {
	save_settings( $changes );
	return ( new Balas_WhatsApp_Button( new Balas_WhatsApp_Options() ) )->render();
}

/** The href attribute's value in the button's HTML. */
function button_href( string $html ): string {
	preg_match( '/href="([^"]*)"/', $html, $match );
	return $match[1];
}

function test_the_button_links_to_wa_me_with_the_message() {
	$html = render_button( array( 'message' => 'Halo kak, ada yang mau saya tanyakan' ) );

	assert_same( 'https://wa.me/6281234567890?text=Halo%20kak%2C%20ada%20yang%20mau%20saya%20tanyakan', button_href( $html ) );
	assert_contains( 'target="_blank" rel="noopener noreferrer"', $html );
	assert_contains( 'class="balas-whatsapp-button balas-whatsapp-button--bottom-left"', $html );
}

function test_the_button_has_an_accessible_name_that_includes_its_label() {
	$html = render_button( array( 'label' => 'Chat kami' ) );

	assert_contains( 'aria-label="Chat kami (opens WhatsApp in a new tab)"', $html );
	assert_contains( '<span class="balas-whatsapp-button__label">Chat kami</span>', $html );
	assert_contains( 'aria-hidden="true" focusable="false"', $html );
}

function test_no_button_when_switched_off_or_without_a_number() {
	assert_same( '', render_button( array( 'enabled' => false ) ) );
	assert_same( '', render_button( array( 'whatsapp_number' => '' ) ) );
}

function test_on_a_product_page_the_message_names_the_product_and_its_address() {
	WP_Stub::$singular       = 'product';
	WP_Stub::$queried_object = new WP_Post( 42, 'Batik Tulis &amp; Kain' );

	$html = render_button( array( 'product_message' => 'Saya mau {product} ({url})' ) );

	assert_same(
		'https://wa.me/6281234567890?text=Saya%20mau%20Batik%20Tulis%20%26%20Kain%20%28https%3A%2F%2Ftoko-batik.example%2Fproduct%2F42%2F%29',
		button_href( $html )
	);
}

function test_on_a_product_page_without_a_template_the_general_message_is_used() {
	WP_Stub::$singular       = 'product';
	WP_Stub::$queried_object = new WP_Post( 42, 'Batik Tulis' );

	$html = render_button( array( 'message' => 'Halo', 'product_message' => '' ) );

	assert_same( 'https://wa.me/6281234567890?text=Halo', button_href( $html ) );
}

function test_other_single_pages_use_the_general_message() {
	WP_Stub::$singular       = 'post';
	WP_Stub::$queried_object = new WP_Post( 7, 'Promo Lebaran', 'post' );

	assert_same( 'https://wa.me/6281234567890?text=Halo', button_href( render_button( array( 'message' => 'Halo' ) ) ) );
}

function test_a_product_name_with_markup_is_escaped() {
	WP_Stub::$singular       = 'product';
	WP_Stub::$queried_object = new WP_Post( 42, '<script>alert("x")</script> Batik\' onclick=\'' );

	$html = render_button();

	assert_not_contains( '<script', $html );
	assert_not_contains( "'", $html, 'a quote could end the attribute' );
	assert_contains( '%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E', button_href( $html ) );
}

function test_a_label_and_position_with_markup_are_escaped() {
	// Settings written around the sanitiser (a database edit, another plugin) are escaped too.
	$html = render_button(
		array(
			'label'    => '<script>alert(1)</script>"',
			'position' => '"><script>x</script>',
		)
	);

	assert_not_contains( '<script', $html );
	assert_contains( '&lt;script&gt;alert(1)&lt;/script&gt;&quot;</span>', $html );
	assert_contains( 'aria-label="&lt;script&gt;alert(1)&lt;/script&gt;&quot; (opens', $html );
}

function test_the_stylesheet_is_loaded_only_when_the_button_shows() {
	save_settings();
	( new Balas_WhatsApp_Button( new Balas_WhatsApp_Options() ) )->enqueue_style();
	assert_same( array( 'balas-whatsapp' ), WP_Stub::$styles );

	WP_Stub::$styles = array();
	save_settings( array( 'enabled' => false ) );
	( new Balas_WhatsApp_Button( new Balas_WhatsApp_Options() ) )->enqueue_style();
	assert_same( array(), WP_Stub::$styles );
}

function test_the_footer_hook_prints_the_button() {
	save_settings();
	$button = new Balas_WhatsApp_Button( new Balas_WhatsApp_Options() );
	$button->register();

	ob_start();
	WP_Stub::$hooks['wp_footer'][0]();
	assert_same( $button->render(), ob_get_clean() );
}
